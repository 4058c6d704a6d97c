"""The I/O-bound workload's pieces: the local TCP server, the job bodies and the jobs of the
peers that have no Django project here (Huey, Dramatiq). bench/io_workload.py runs them."""
