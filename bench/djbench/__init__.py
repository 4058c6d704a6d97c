"""A minimal Django project + app for the benchmark: settings and the two benchmark jobs."""
