"""Every SessionStore behaves the same: the in-memory one and Redis (a real redis-server)."""

from __future__ import annotations

import asyncio

from realtimenet.backends.registry import Stores
from realtimenet.backends.sessions import ResumeGrant, SessionRecord
from tests.backend_fixtures import Clock, run


def test_sessions_are_saved_loaded_and_deleted(stores: tuple[Stores, Clock]) -> None:
    backend, _ = stores

    async def scenario() -> None:
        record = SessionRecord(session_id="s1", player_id="alice", node_id="n1", rooms=["lobby"])
        await backend.sessions.save_session(record, 60)
        assert await backend.sessions.load_session("s1") == record
        assert await backend.sessions.load_session("nobody") is None
        await backend.sessions.delete_session("s1")
        assert await backend.sessions.load_session("s1") is None
        await backend.connection.close()

    run(scenario())


def test_resume_tokens_are_single_use(stores: tuple[Stores, Clock]) -> None:
    backend, _ = stores

    async def scenario() -> None:
        await backend.sessions.put_resume_token("tok", ResumeGrant("s1", "alice"), 60)
        assert await backend.sessions.take_resume_token("tok") == ResumeGrant("s1", "alice")
        await backend.sessions.forget_resume_token("tok")  # the resume succeeded
        assert await backend.sessions.take_resume_token("tok") is None  # single use
        assert await backend.sessions.take_resume_token("forged") is None
        await backend.connection.close()

    run(scenario())


def test_a_taken_token_can_be_taken_again_until_it_is_forgotten(stores: tuple[Stores, Clock]) -> None:
    """A take whose reply was lost (a store timeout, or a reset after the store ran it) is retried: the token
    must not refuse it as used until the resume it was taken for has succeeded."""
    backend, _ = stores

    async def scenario() -> None:
        await backend.sessions.put_resume_token("tok", ResumeGrant("s1", "alice"), 60)
        assert await backend.sessions.take_resume_token("tok") == ResumeGrant("s1", "alice")
        assert await backend.sessions.take_resume_token("tok") == ResumeGrant("s1", "alice")  # retried
        await backend.sessions.forget_resume_token("tok")
        assert await backend.sessions.take_resume_token("tok") is None
        await backend.sessions.put_resume_token("tok", ResumeGrant("s1", "alice"), 60)  # given back
        assert await backend.sessions.take_resume_token("tok") == ResumeGrant("s1", "alice")
        await backend.connection.close()

    run(scenario())


def test_sessions_and_tokens_expire(stores: tuple[Stores, Clock]) -> None:
    backend, clock = stores

    async def scenario() -> None:
        await backend.sessions.save_session(SessionRecord(session_id="s1", player_id="a", node_id="n"), 0.2)
        await backend.sessions.put_resume_token("tok", ResumeGrant("s1", "a"), 0.2)
        clock.now += 0.3
        await asyncio.sleep(0.3)  # Redis expires keys on its own clock
        backend.connection.sweep()
        assert await backend.sessions.load_session("s1") is None
        assert await backend.sessions.take_resume_token("tok") is None
        await backend.connection.close()

    run(scenario())


def test_sessions_of_a_player_lists_live_records_and_forgets_deleted_and_expired_ones(
        stores: tuple[Stores, Clock]) -> None:
    from realtimenet.backends.sessions import SessionRecord

    backend, clock = stores
    sessions = backend.sessions

    async def scenario() -> None:
        await sessions.save_session(SessionRecord(session_id="s1", player_id="alice", node_id="n1", rooms=["lobby"]), 60)
        await sessions.save_session(SessionRecord(session_id="s2", player_id="alice", node_id="n2"), 10)
        await sessions.save_session(SessionRecord(session_id="s3", player_id="bob", node_id="n1"), 60)
        assert [r.session_id for r in await sessions.sessions_of("alice")] == ["s1", "s2"]
        assert (await sessions.sessions_of("alice"))[0].rooms == ["lobby"]
        await sessions.delete_session("s1")  # revoked
        clock.now += 11  # s2 expired
        backend.connection.sweep()
        assert await sessions.sessions_of("alice") == []
        assert [r.session_id for r in await sessions.sessions_of("bob")] == ["s3"]
        assert await sessions.sessions_of("nobody") == []
        await backend.connection.close()

    run(scenario())
