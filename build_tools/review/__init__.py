"""Moderation on GitHub: the plain-English report of what a pull request changes in the
listings (read from git, never by checking the head out), the tiny GitHub API client the
trusted workflows use, and the commands those workflows run."""
