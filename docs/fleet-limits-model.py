#!/usr/bin/env python3
"""A model of a fleet changing one load balancer at once under the account's rate limits, for
deciding issue 20's target (docs/fleet.md, "Rate limits").

    python3 docs/fleet-limits-model.py          # every table in docs/fleet.md's second part

It plays the fake's rules (`make bench`): every request reaches the server LATENCY after it is
sent and is answered at once. Each verb is limited per second and per minute by sliding
windows (Rackspace's two published tables); a refused request is not counted and gets a 413
whose Retry-After is the time until a slot frees, in whole seconds, at least 1. An accepted
change makes the load balancer busy for WINDOW; a change while it is busy gets a 422. Every
host signs in (not limited), reads the load balancer, and sends its change (POST for a join,
PUT for a drain) if the read says ACTIVE; after its change it polls until the load balancer is
ACTIVE or another change has started. The ratio is the fleet's wall time over N x WINDOW.

Strategies for the hosts that wait:
  peekaboo   what peekaboo ships (src/engine/drive.rs): a turn waited for at 0.5 s x crowd,
             jittered; crowd doubles on a 413 and eases by 0.8 on each busy read; after a 413,
             Retry-After plus 0.5 s x crowd, jittered.
  oracle-R   every host is told how many hosts still wait, and polls at random times so that
             the fleet sends R GET/s in all: the best that random polling can do.
  polite     a practical estimate of the crowd: 20 after a first read refused, 12 after a
             change refused by the limiter, 8 after a lost race, one less for each change seen
             land; polls at random times so that the fleet would send 4 GET/s if the estimate
             were right, and the polls after its own change at that pace too.
  steady-R   the oracle, but each host polls once a period (waiting / R seconds, give or take
             20%) instead of at random times: the fleet's reads come evenly, not in clumps.
  told       each host is told the fleet's size N (no host is today): it counts down the
             changes it sees land, makes its first read at a random time within N / 4 seconds
             (a host told N = 1 starts at once, as today), and polls steadily at 4 GET/s for
             the fleet; after its first 413 it takes the stricter table to hold and slows to
             30 / N GET/s (at least 1). It counts the changes made before its first read
             too, which a joining host cannot tell from nodes that were there before.
  told-since as told, counting only the changes it sees land after its first read: what a
             host can count.
"""

import heapq
import math
import random
import statistics

LATENCY = 0.05
WINDOW = 1.0
TABLES = {
    "first": {"GET": (10, 600), "POST": (5, 300), "PUT": (10, 600), "DELETE": (5, 300)},
    "second": {"GET": (5, 100), "POST": (2, 25), "PUT": (5, 50), "DELETE": (2, 50)},
}
FLEETS = ((10, "POST", "10 join"), (25, "POST", "25 join"), (25, "PUT", "25 drain"))
SEEDS = 40


class Server:
    def __init__(self, table):
        self.limits = TABLES[table]
        self.accepted = {verb: [] for verb in self.limits}
        self.busy_until = 0.0
        self.changes = 0
        self.refused = 0

    def retry_after(self, verb, now):
        """None if `verb` may pass now, else the whole seconds until a slot frees."""
        per_second, per_minute = self.limits[verb]
        minute = [t for t in self.accepted[verb] if now - t < 60.0]
        self.accepted[verb] = minute
        second = [t for t in minute if now - t < 1.0]
        wait = 0.0
        if len(second) >= per_second:
            wait = second[-per_second] + 1.0 - now
        if len(minute) >= per_minute:
            wait = max(wait, minute[-per_minute] + 60.0 - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def answer(self, verb, now):
        ra = self.retry_after(verb, now)
        if ra is not None:
            self.refused += 1
            return ("413", ra)
        self.accepted[verb].append(now)
        if verb == "GET":
            return ("ACTIVE" if now >= self.busy_until else "PENDING", self.changes)
        if now >= self.busy_until:
            self.busy_until, self.changes = now + WINDOW, self.changes + 1
            return ("202", None)
        return ("422", None)


class Host:
    """The start and the watch after our own change, which every strategy shares."""

    def __init__(self, rnd, fleet, change):
        self.rnd, self.fleet, self.change = rnd, fleet, change
        self.changed = False
        self.seen_after = None
        self.polls = 0
        self.first = True

    def step(self, verb, res):
        """The answer to our last request -> (delay, next verb), or None when done."""
        if verb is None:
            return (LATENCY, "GET")  # the token, then the load balancer
        first, self.first = self.first, False
        if self.changed:
            return self.watch(res)
        if res[0] == "413":
            return self.refused(verb, res[1], first)
        if verb == self.change:
            if res[0] == "202":
                self.changed = True
                return self.watch(None)
            return self.lost()
        status, changes = res
        self.saw(changes)
        return (0.0, self.change) if status == "ACTIVE" else self.wait()

    def watch(self, res):
        extra = 0.0
        if res is not None and res[0] == "413":
            extra = res[1]
        elif res is not None:
            status, changes = res
            if status == "ACTIVE" or (self.seen_after is not None and changes != self.seen_after):
                return None
            self.seen_after = changes
        delay = self.after_change()
        self.polls += 1
        return (extra + delay, "GET")

    def after_change(self):
        # src/engine/drive.rs: backoff from -interval/8 (0.625 s), equal jitter, doubling.
        step = min(0.625 * 2**self.polls, 5.0)
        return step / 2 + step / 2 * self.rnd.random()

    def saw(self, changes):
        pass


class Peekaboo(Host):
    crowd = 1.0

    def jitter(self, d):
        return d * (0.5 + self.rnd.random())

    def wait(self):
        self.crowd = max(self.crowd * 0.8, 1.0)
        return (self.jitter(0.5 * self.crowd), "GET")

    def lost(self):
        return self.wait()

    def refused(self, verb, ra, first):
        self.crowd = min(self.crowd * 2, 16.0)
        return (ra + self.jitter(0.5 * self.crowd), "GET")


class Oracle(Host):
    rate = 4.0

    def poll(self, extra=0.0):
        waiting = max(self.fleet.waiting(), 1)
        return (extra + self.rnd.expovariate(self.rate / waiting), "GET")

    def wait(self):
        return self.poll()

    def lost(self):
        return self.poll()

    def refused(self, verb, ra, first):
        return self.poll(ra)

    def after_change(self):
        base = WINDOW if self.polls == 0 else 0.0
        return base + self.rnd.expovariate(self.rate / max(self.fleet.waiting(), 2))


class Steady(Oracle):
    def poll(self, extra=0.0):
        period = max(self.fleet.waiting(), 1) / self.rate
        if extra:  # released by a Retry-After: a random phase within one period
            return (extra + self.rnd.uniform(0, period), "GET")
        return (period * self.rnd.uniform(0.8, 1.2), "GET")

    def after_change(self):
        base = WINDOW if self.polls == 0 else 0.0
        return base + max(self.fleet.waiting(), 2) / self.rate * self.rnd.uniform(0.8, 1.2)


class Told(Host):
    seen = 0
    strict = False

    def step(self, verb, res):
        if verb is None and self.fleet.n > 1:
            return (self.rnd.uniform(0, self.fleet.n / 4.0) + LATENCY, "GET")
        return super().step(verb, res)

    def rate(self):
        return max(1.0, min(4.0, 30.0 / self.fleet.n)) if self.strict else 4.0

    def left(self):
        return max(1, self.fleet.n - self.seen)

    def saw(self, changes):
        self.seen = changes

    def poll(self, extra=0.0):
        period = self.left() / self.rate()
        if extra:
            return (extra + self.rnd.uniform(0, period), "GET")
        return (period * self.rnd.uniform(0.8, 1.2), "GET")

    def wait(self):
        return self.poll()

    def lost(self):
        return self.poll()

    def refused(self, verb, ra, first):
        self.strict = True
        return self.poll(ra)

    def watch(self, res):
        if res is not None and res[0] == "413":
            self.strict = True
        return super().watch(res)

    def after_change(self):
        if self.fleet.n == 1:
            return super().after_change()
        base = WINDOW if self.polls == 0 else 0.0
        return base + max(self.left() - 1, 1) / self.rate() * self.rnd.uniform(0.8, 1.2)


class ToldSince(Told):
    base = None

    def saw(self, changes):
        if self.base is None:
            self.base = changes
        self.seen = changes - self.base


class Polite(Host):
    rate = 4.0
    crowd = 1.0
    last = None

    def poll(self, extra=0.0):
        return (extra + self.rnd.uniform(0.0, 2 * self.crowd / self.rate), "GET")

    def saw(self, changes):
        if self.last is not None and changes > self.last:
            self.crowd = max(1.0, self.crowd - (changes - self.last))
        self.last = changes

    def wait(self):
        return self.poll()

    def lost(self):
        self.crowd = max(self.crowd + 1, 8.0)
        return self.poll()

    def refused(self, verb, ra, first):
        if first:
            self.crowd = max(self.crowd, 20.0)
        elif verb == self.change:
            self.crowd = max(self.crowd, 12.0)
        else:
            self.crowd *= 1.5
        return self.poll(ra)

    def after_change(self):
        if self.crowd <= 1:
            return super().after_change()
        base = WINDOW if self.polls == 0 else 0.0
        return base + self.rnd.uniform(0, 2 * self.crowd / self.rate)


class Fleet:
    def __init__(self, n, strategy, change, table, seed):
        self.n = n
        self.rnd = random.Random(seed)
        self.server = Server(table)
        self.hosts = [strategy(random.Random(self.rnd.random()), self, change) for _ in range(n)]
        self.done = {}

    def waiting(self):
        return sum(1 for i, h in enumerate(self.hosts) if i not in self.done and not h.changed)

    def run(self):
        # (time, host, verb): the host's request reaches the server (verb None: it starts).
        events = [(self.rnd.random() * 0.01, i, None) for i in range(len(self.hosts))]
        heapq.heapify(events)
        while events:
            t, i, verb = heapq.heappop(events)
            res = self.server.answer(verb, t) if verb else None
            nxt = self.hosts[i].step(verb, res)
            if nxt is None:
                self.done[i] = t
                continue
            delay, verb = nxt
            heapq.heappush(events, (t + delay + LATENCY, i, verb))
        n = len(self.hosts)
        return max(self.done.values()) / (n * WINDOW), self.server.refused / n


def start_floor(table, n, change):
    """413s per host of the start alone: every host's first read at once, then the change of
    every host whose read passed (the load balancer is ACTIVE for all of them)."""
    server = Server(table)
    passed = sum(server.answer("GET", 0.05 + i * 1e-4)[0] != "413" for i in range(n))
    for i in range(passed):
        server.answer(change, 0.15 + i * 1e-4)
    return server.refused / n


def row(name, strategy, table):
    cells = []
    for n, change, _ in FLEETS:
        runs = [Fleet(n, strategy, change, table, seed).run() for seed in range(SEEDS)]
        ratio = statistics.median(r[0] for r in runs)
        refused = statistics.mean(r[1] for r in runs)
        cells.append(f"{ratio:.2f} ({refused:.2f})")
    print(f"| {table} | {name} | " + " | ".join(cells) + " |")


def main():
    print(f"latency {LATENCY * 1000:.0f} ms, window {WINDOW:g} s; median ratio (413s per host), {SEEDS} seeded runs")
    print("| limits | strategy | " + " | ".join(f for _, _, f in FLEETS) + " |")
    print("|---|---|" + "---|" * len(FLEETS))
    for table in TABLES:
        floors = [f"- ({start_floor(table, n, c):.2f})" for n, c, _ in FLEETS]
        print(f"| {table} | the start alone | " + " | ".join(floors) + " |")
        row("peekaboo", Peekaboo, table)
        row("polite", Polite, table)
        for rate in (2.0, 4.0, 6.0):
            row(f"oracle-{rate:g}", type("O", (Oracle,), {"rate": rate}), table)
        for rate in (1.5, 4.0, 5.0):
            row(f"steady-{rate:g}", type("S", (Steady,), {"rate": rate}), table)
        row("told", Told, table)
        row("told-since", ToldSince, table)


if __name__ == "__main__":
    main()
