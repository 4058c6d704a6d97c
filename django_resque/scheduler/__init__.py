"""The scheduler: its loop, the fenced lease, promotion of due delayed jobs, recurring schedules
and cron arithmetic, and the firing of their slots."""
