"""The practices: one module (or package) each, declared once in flows/registry.py."""
