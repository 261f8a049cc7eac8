"""Sessions on a real PostgreSQL and a real redis-server that the tests kill,
freeze and bring back: no outage logs anybody out, and nothing ended during
one comes back from Redis afterwards."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Engine, text

from tests.redis_server import RedisServer
from workflow.errors import ErrorCode, WorkflowError
from workflow.sessions import SessionStore
from workflow.users import disable_user

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def user_id(db_engine: Engine) -> int:
    """An active clerk, ann (the hash is a placeholder: nobody signs in here)."""
    with db_engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO users (username, role, password_hash) VALUES ('ann', 'clerk', 'x') RETURNING id"
            )
        ).scalar_one()


@pytest.fixture
def worker(db_engine: Engine, redis_server: RedisServer, clock: FakeClock):
    """make() -> a SessionStore as one web worker has it; retries Redis at once after an outage."""

    def make(**kwargs) -> SessionStore:
        kwargs.setdefault("first_retry_after", 0.0)
        return SessionStore(db_engine, redis_server.url, clock=clock, **kwargs)

    return make


@pytest.fixture
def plain(redis_server: RedisServer) -> redis.Redis:
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    yield client
    client.close()


def redis_key(session_id: str) -> str:
    return "ecc:session:" + hashlib.sha256(session_id.encode()).hexdigest()


def revoked_at(engine: Engine, session_id: str):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT revoked_at FROM user_sessions WHERE id_hash = :h"),
            {"h": hashlib.sha256(session_id.encode()).hexdigest()},
        ).scalar_one()


def test_a_new_session_is_found_with_its_user_and_data_and_redis_holds_a_copy(worker, user_id, plain):
    store = worker()
    session_id = store.create(user_id, {"csrf": "abc"})
    found = store.get(session_id)
    assert (found.user_id, found.username, found.role, found.data) == (
        user_id,
        "ann",
        "clerk",
        {"csrf": "abc"},
    )
    assert (found.created_at, found.expires_at) == (T0, T0 + timedelta(minutes=30))
    assert plain.exists(redis_key(session_id)) == 1


def test_neither_postgresql_nor_redis_holds_the_session_id_itself(worker, user_id, db_engine, plain):
    session_id = worker().create(user_id, {})
    with db_engine.connect() as conn:
        stored = conn.execute(text("SELECT row_to_json(s)::text FROM user_sessions s")).scalar_one()
    assert session_id not in stored
    assert hashlib.sha256(session_id.encode()).hexdigest() in stored
    assert [session_id in key or session_id in (plain.get(key) or "") for key in plain.keys("*")] == [False]


def test_each_sign_in_gets_a_new_id_and_ending_the_old_one_leaves_the_new_one(worker, user_id):
    store = worker()
    before_login = store.create(user_id, {})
    after_login = store.create(user_id, {})
    store.delete(before_login)
    assert before_login != after_login and len(after_login) >= 43
    assert store.get(before_login) is None
    assert store.get(after_login).user_id == user_id


def test_a_session_made_on_one_worker_is_found_on_another_and_ended_there_for_both(worker, user_id):
    first, second = worker(), worker()
    session_id = first.create(user_id, {"n": 1})
    assert second.get(session_id).data == {"n": 1}
    second.delete(session_id)
    assert first.get(session_id) is None


def test_two_workers_without_redis_share_sessions_through_postgresql(db_engine, user_id, clock):
    first = SessionStore(db_engine, None, clock=clock)
    second = SessionStore(db_engine, None, clock=clock)
    session_id = first.create(user_id, {})
    assert second.get(session_id).user_id == user_id
    assert first.backend == "postgresql"


@pytest.mark.parametrize("junk", [None, "", "short", "x" * 1000, "A" * 43])
def test_a_missing_malformed_or_unknown_id_finds_nothing(worker, user_id, junk):
    assert worker().get(junk) is None


def test_a_session_made_with_redis_up_keeps_working_after_redis_dies_and_one_warning_says_so(
    worker, user_id, redis_server, caplog
):
    store = worker(first_retry_after=60.0)
    session_id = store.create(user_id, {"csrf": "abc"})
    redis_server.kill()
    with caplog.at_level(logging.INFO, logger="workflow.sessions"):
        for _ in range(3):
            assert store.get(session_id).data == {"csrf": "abc"}
    assert store.backend == "postgresql"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and f"127.0.0.1:{redis_server.port}" in warnings[0].getMessage()


def test_a_session_made_while_redis_is_down_keeps_working_when_redis_returns(
    worker, user_id, redis_server, plain
):
    store = worker()
    redis_server.kill()
    session_id = store.create(user_id, {"made": "during the outage"})
    redis_server.start()
    assert store.get(session_id).data == {"made": "during the outage"}
    assert store.backend == "redis"
    assert plain.exists(redis_key(session_id)) == 1  # copied back on first use
    assert worker().get(session_id).data == {"made": "during the outage"}


def outage_then_snapshot_restore(redis_server: RedisServer, plain: redis.Redis, session_id: str):
    """Context: Redis crashes, and comes back from a snapshot taken before the
    crash, so it holds the session again whatever happened meanwhile."""
    snapshot = plain.dump(redis_key(session_id))

    class Outage:
        def __enter__(self):
            redis_server.kill()

        def __exit__(self, *exc):
            redis_server.start()
            plain.restore(redis_key(session_id), 0, snapshot, replace=True)

    return Outage()


def test_a_logout_during_an_outage_stays_effective_although_redis_still_holds_the_session(
    worker, user_id, redis_server, plain, db_engine
):
    store, idle_worker = worker(), worker()
    session_id = store.create(user_id, {})
    with outage_then_snapshot_restore(redis_server, plain, session_id):
        store.delete(session_id)
        assert store.get(session_id) is None
    assert plain.exists(redis_key(session_id)) == 1
    assert idle_worker.get(session_id) is None  # never noticed the outage, reads Redis first
    assert plain.exists(redis_key(session_id)) == 0  # the stale copy is removed when found
    assert store.get(session_id) is None
    assert revoked_at(db_engine, session_id) == T0


def test_disabling_a_user_during_an_outage_ends_their_sessions_for_good(
    worker, user_id, redis_server, plain, db_engine
):
    store, idle_worker = worker(), worker()
    session_id = store.create(user_id, {})
    with outage_then_snapshot_restore(redis_server, plain, session_id):
        disable_user(db_engine, username="ann", actor="admin")
        assert store.get(session_id) is None
    assert plain.exists(redis_key(session_id)) == 1
    assert idle_worker.get(session_id) is None
    assert store.get(session_id) is None


def test_a_hung_redis_is_waited_for_at_most_its_timeout_and_postgresql_answers(worker, user_id, redis_server):
    store = worker(first_retry_after=60.0)
    session_id = store.create(user_id, {"n": 1})
    redis_server.pause()
    assert store.get(session_id).data == {"n": 1}
    assert store.get(session_id).data == {"n": 1}
    assert store.backend == "postgresql"


def test_a_session_ended_in_postgresql_alone_is_refused_while_redis_still_has_it(
    worker, user_id, db_engine, plain
):
    store = worker()
    session_id = store.create(user_id, {})
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE user_sessions SET revoked_at = now()"))
    assert plain.exists(redis_key(session_id)) == 1
    assert store.get(session_id) is None


def test_a_role_change_is_seen_by_the_next_request(worker, user_id, db_engine):
    store = worker()
    session_id = store.create(user_id, {})
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'manager' WHERE id = :i"), {"i": user_id})
    assert store.get(session_id).role == "manager"


def test_a_disabled_user_gets_no_new_session(worker, user_id, db_engine):
    disable_user(db_engine, username="ann", actor="admin")
    with pytest.raises(WorkflowError) as refused:
        worker().create(user_id, {})
    assert refused.value.code is ErrorCode.ACCOUNT_DISABLED


def test_ending_all_sessions_of_a_user_ends_each_of_them(worker, user_id, plain):
    store = worker()
    ids = [store.create(user_id, {}) for _ in range(3)]
    assert store.delete_all_for_user(user_id) == 3
    assert [store.get(i) for i in ids] == [None, None, None]
    assert plain.keys("ecc:session:*") == []


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "postgresql only"])
def test_a_session_idle_for_more_than_thirty_minutes_ends(worker, db_engine, user_id, clock, with_redis):
    store = worker() if with_redis else SessionStore(db_engine, None, clock=clock)
    session_id = store.create(user_id, {})
    for _ in range(3):
        clock.advance(minutes=29)
        assert store.get(session_id) is not None
    clock.advance(minutes=30, seconds=1)
    assert store.get(session_id) is None
    clock.advance(seconds=1)
    assert store.get(session_id) is None  # ended for good, not revived by the call above
    assert revoked_at(db_engine, session_id) == clock.now - timedelta(seconds=1)


def test_idle_time_counts_from_the_last_use_on_whichever_side_saw_it(worker, user_id, redis_server, clock):
    store = worker()
    session_id = store.create(user_id, {})
    redis_server.pause()
    clock.advance(minutes=20)
    assert store.get(session_id) is not None  # used during the outage: PostgreSQL notes it
    redis_server.resume()
    clock.advance(minutes=20)  # Redis's copy says 40 minutes idle, PostgreSQL 20
    assert store.get(session_id) is not None


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "postgresql only"])
def test_a_session_in_constant_use_ends_after_twelve_hours(worker, db_engine, user_id, clock, with_redis):
    store = worker() if with_redis else SessionStore(db_engine, None, clock=clock)
    session_id = store.create(user_id, {})
    for _ in range(36):
        clock.advance(minutes=20)
        assert store.get(session_id) is not None
    assert store.get(session_id).expires_at == T0 + timedelta(hours=12)
    clock.advance(seconds=1)
    assert store.get(session_id) is None
