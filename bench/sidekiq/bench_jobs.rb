# The benchmark's jobs for Sidekiq (sidekiq -r bench/sidekiq/bench_jobs.rb): the same bookkeeping
# as bench/peerjobs/common.py and bench/iojobs/wait.py, through Sidekiq's own Redis pool.
require "sidekiq"
require "socket"

Sidekiq.configure_server do |config|
  config.logger.level = Logger::WARN # no line per job, as the Python peers run quiet
end

module Bench
  TARGET = Integer(ENV.fetch("BENCH_TARGET", "0"))

  def self.count
    Sidekiq.redis do |r|
      n = r.incr("bench:count")
      r.set("bench:t_first", Time.now.to_f.to_s) if n == 1
      r.set("bench:t_last", Time.now.to_f.to_s) if n == TARGET
    end
  end
end

class BenchCount
  include Sidekiq::Worker

  def perform(_i)
    Bench.count
  end
end

class BenchStamp
  include Sidekiq::Worker

  def perform(t_enq)
    t_start = Time.now.to_f
    Sidekiq.redis { |r| r.rpush("bench:lat", "#{t_enq} #{t_start}") }
  end
end

class BenchIoWait
  include Sidekiq::Worker

  def perform(i)
    host, port = ENV.fetch("BENCH_IO_ADDR").split(":")
    socket = TCPSocket.new(host, Integer(port))
    begin
      socket.write("#{i}\n")
      reply = socket.gets
    ensure
      socket.close
    end
    raise "the I/O server closed without a reply" unless reply&.end_with?("\n")

    Bench.count
  end
end
