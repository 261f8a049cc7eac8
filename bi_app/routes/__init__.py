"""Plain Flask routes beside the Dash pages (files to download); each module
exposes `register(server)`, called by create_app."""
