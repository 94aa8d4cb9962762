"""Running work in threads that start together, for tests of row locks on PostgreSQL."""

import threading

from django.db import connection


def run_together(count, work, prepare=lambda index: None, timeout=60):
    """Run ``work(index, prepared)`` in ``count`` threads released at once by a barrier.

    ``prepare(index)`` runs in the thread before the barrier (a client, a connection), so that
    only the work itself races. Returns the results and the exceptions raised, by thread index."""
    barrier = threading.Barrier(count, timeout=timeout)
    results, errors = [None] * count, [None] * count

    def run(index):
        try:
            prepared = prepare(index)
            connection.ensure_connection()
            barrier.wait()
            results[index] = work(index, prepared)
        except BaseException as error:  # reported to the test, never swallowed
            errors[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting: a lock was never released"
    return results, errors
