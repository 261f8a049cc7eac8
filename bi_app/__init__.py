"""The Plotly Dash app and the ecc command line."""
