"""Groups of jobs: members waited for together, continued by callbacks (docs/groups.md)."""
