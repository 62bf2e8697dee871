"""The Dash dashboard over the published snapshot (`<data>/published`); see app.py."""
