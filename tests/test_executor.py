import pytest

from deckgen.errors import ConfigError, SlideError
from deckgen.executor import TaskFailure, make_executor


def square_or_fail(x: int) -> int:
    if x == 3:
        raise SlideError("three is a bad slide")
    if x == 5:
        raise ValueError("boom")
    return x * x


@pytest.mark.parametrize("kind", ["serial", "processes"])
def test_map_returns_every_result_and_failures_as_values(kind):
    executor = make_executor(kind, workers=2)
    try:
        results = dict(executor.map(square_or_fail, list(range(8))))
    finally:
        executor.close()
    assert sorted(results) == list(range(8))
    assert results[2] == 4 and results[7] == 49
    assert isinstance(results[3], TaskFailure) and results[3].message == "three is a bad slide"
    assert isinstance(results[5], TaskFailure) and "boom" in results[5].message


def test_unknown_executor():
    with pytest.raises(ConfigError, match="serial, processes, dask"):
        make_executor("threads")
