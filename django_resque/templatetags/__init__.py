"""Template filters for the Resque admin pages."""
