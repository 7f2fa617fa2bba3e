"""The public site: activity, category and area pages, the finder, the map, search."""
