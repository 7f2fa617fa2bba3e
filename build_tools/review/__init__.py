"""Moderation on GitHub: the review report, issue forms, freshness and links."""
