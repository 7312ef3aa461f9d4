"""Tokens drawn from the bulk CSPRNG pool."""

from backend.payments.ids import RandomIds


def test_tokens_never_repeat_and_have_the_asked_size() -> None:
    ids = RandomIds()
    tokens = [ids.token_hex(16) for _ in range(10_000)]
    assert len(set(tokens)) == len(tokens)
    assert {len(t) for t in tokens} == {32}


def test_time_ordered_tokens_sort_by_time_and_stay_unique_within_a_millisecond() -> None:
    ids = RandomIds()
    same_ms = [ids.time_ordered(1_795_720_628_667, 10) for _ in range(10_000)]
    assert len(set(same_ms)) == len(same_ms)
    later = [ids.time_ordered(ms, 10) for ms in (1_795_720_628_668, 1_795_720_629_000, 1_895_720_629_000)]
    assert later == sorted(later)
    assert max(same_ms) < later[0]
    assert {len(t) for t in same_ms + later} == {32}
