"""Pure builders of page components (tables, forms, pagers) from workflow values."""
