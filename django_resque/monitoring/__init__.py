"""What operators watch: the registered workers, and the Redis server with our keys."""
