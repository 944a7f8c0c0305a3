#!/usr/bin/env python3
"""A model of a fleet changing one load balancer at once, for deciding the fleet target.

    python3 docs/fleet-model.py            # the table in docs/fleet.md
    python3 docs/fleet-model.py 0.05 2     # latency 50 ms, PENDING_UPDATE window 2 s

It plays the fake's rules (`make bench`): every request reaches the server `LATENCY` after it
is sent and is answered at once; the server refuses, with a 413 and `Retry-After: 1`, a GET
when 10 were accepted in the last second (POST: 5); an accepted POST makes the load balancer
busy for `WINDOW`, and a POST while it is busy gets a 422. Each host authenticates, reads the
load balancer, sends its create (a load balancer without nodes needs no listing), and then
waits for its turn as a strategy says. After its change a host polls until the load balancer is ACTIVE or another change has
started. The ratio is the fleet's wall time over N x WINDOW, the floor.

Strategies:
  peekaboo   the pacing peekaboo ships (src/engine/drive.rs): waits for a turn of 0.5 s x crowd,
             jittered; crowd doubles on a 413 and eases by 0.8 on a poll that gets through;
             after a 413, Retry-After plus a jittered 0.5 s x crowd.
  oracle-G   every host is told how many hosts are still waiting and polls with GETs so the
             fleet sends 7 GET/s in all, at random times as hosts that cannot coordinate do.
  oracle-GP  the same, plus sending the change itself as the poll (a refused POST costs no
             GET): 7 GET/s and 3.5 POST/s in all.
  chain-W    peekaboo's pacing, plus this: a host that saw ACTIVE but lost the race for it
             knows within 50 ms when the new window began, and it is told the window's
             length, so it polls again just after that window ends.
"""

import heapq
import random
import statistics
import sys

LATENCY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
WINDOW = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
LIMITS = {"GET": 10, "POST": 5}


class Server:
    def __init__(self):
        self.recent = {"GET": [], "POST": []}
        self.busy_until = 0.0
        self.nodes = 0
        self.refused = 0

    def limited(self, verb, now):
        recent = [t for t in self.recent[verb] if now - t < 1.0]
        self.recent[verb] = recent
        if len(recent) >= LIMITS[verb]:
            self.refused += 1
            return True
        recent.append(now)
        return False

    def answer(self, verb, now):
        if self.limited(verb, now):
            return "413"
        if verb == "GET":
            return ("ACTIVE" if now >= self.busy_until else "PENDING", self.nodes)
        if now >= self.busy_until:
            self.busy_until, self.nodes = now + WINDOW, self.nodes + 1
            return "202"
        return "422"


class Host:
    """What every strategy shares: the start, and watching our own change once it is sent."""

    def __init__(self, rnd, fleet):
        self.rnd, self.fleet = rnd, fleet
        self.changed = False
        self.seen = None
        self.polls = 0

    def jitter(self, d):
        return d * (0.5 + self.rnd.random())

    def step(self, verb, res):
        """The answer to our last request -> (delay, next verb), or None when done."""
        if verb is None:
            return (LATENCY, "GET")  # the token, then the load balancer
        if self.changed:
            return self.watch(res)
        if res == "413":
            return self.rate_limited()
        if verb == "POST":
            if res == "202":
                self.changed = True
                return self.watch(None)
            return self.wait_turn()
        status, _ = res
        return (0.0, "POST") if status == "ACTIVE" else self.wait_turn()

    def watch(self, res):
        if res is not None and res != "413" and res != "202":
            status, nodes = res
            if status == "ACTIVE" or (self.seen is not None and nodes != self.seen):
                return None
            self.seen = nodes
        # src/engine/drive.rs: Backoff from -interval/8 (0.625 s), equal jitter, doubling.
        step = min(0.625 * 2 ** self.polls, 5.0)
        self.polls += 1
        return (step / 2 + step / 2 * self.rnd.random(), "GET")


class Peekaboo(Host):
    crowd = 1.0

    def wait_turn(self):
        self.crowd = max(self.crowd * 0.8, 1.0)
        return (self.jitter(0.5 * self.crowd), "GET")

    def rate_limited(self):
        self.crowd = min(self.crowd * 2, 16.0)
        return (1.0 + self.jitter(0.5 * self.crowd), "GET")


class OracleG(Host):
    get_rate, post_rate = 7.0, 0.0

    def next_poll(self):
        rate = (self.get_rate + self.post_rate) / max(self.fleet.waiting(), 1)
        p_post = self.post_rate / (self.get_rate + self.post_rate)
        return "POST" if self.rnd.random() < p_post else "GET", rate

    def wait_turn(self):
        verb, rate = self.next_poll()
        return (self.rnd.expovariate(rate), verb)

    def rate_limited(self):
        verb, rate = self.next_poll()
        return (1.0 + self.rnd.expovariate(rate), verb)


class OracleGP(OracleG):
    post_rate = 3.5


class ChainW(Peekaboo):
    active_at = None

    def step(self, verb, res):
        if not self.changed and verb == "GET" and res != "413" and res[0] == "ACTIVE":
            self.active_at = self.now
        lost = verb == "POST" and res == "422" and self.active_at is not None
        if not self.changed and lost and self.now - self.active_at < 0.2:
            # The winner's window began between our GET and now: poll just after it ends.
            self.active_at = None
            return (WINDOW + 0.01 - LATENCY, "GET")
        return super().step(verb, res)


class Fleet:
    def __init__(self, n, strategy, seed):
        self.rnd = random.Random(seed)
        self.server = Server()
        self.hosts = [strategy(self.rnd, self) for _ in range(n)]
        self.done = {}

    def waiting(self):
        return sum(1 for i, h in enumerate(self.hosts) if i not in self.done and not h.changed)

    def run(self):
        # (time, host, verb): the host's request reaches the server (verb None: it starts).
        events = [(self.rnd.random() * 0.005, i, None) for i in range(len(self.hosts))]
        heapq.heapify(events)
        while events:
            t, i, verb = heapq.heappop(events)
            # The server answers at once; the answer is back with the host at the same time.
            res = self.server.answer(verb, t) if verb else None
            self.hosts[i].now = t
            nxt = self.hosts[i].step(verb, res)
            if nxt is None:
                self.done[i] = t
                continue
            delay, verb = nxt
            heapq.heappush(events, (t + delay + LATENCY, i, verb))
        return max(self.done.values()) / (len(self.hosts) * WINDOW), self.server.refused


def main():
    print(f"latency {LATENCY * 1000:.0f} ms, window {WINDOW:g} s; mean of 40 seeded runs")
    print("| strategy   | fleet | ratio | 413s |")
    print("|------------|-------|-------|------|")
    strategies = (
        ("peekaboo", Peekaboo),
        ("oracle-G", OracleG),
        ("oracle-GP", OracleGP),
        ("chain-W", ChainW),
    )
    for name, strategy in strategies:
        for n in (10, 25):
            runs = [Fleet(n, strategy, seed).run() for seed in range(40)]
            ratio = statistics.mean(r[0] for r in runs)
            refused = statistics.mean(r[1] for r in runs)
            print(f"| {name:<10} | {n:>5} | {ratio:5.2f} | {refused:4.0f} |")


if __name__ == "__main__":
    main()
