"""What several apps share: background jobs (``jobs``) and their sweeper task."""
