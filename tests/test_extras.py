"""Optional extras: a missing one names its pip command; core values reach pandas through the registry."""

import importlib

import pytest

from cfsign_nb import extras
from cfsign_nb.errors import CfSignError, MissingExtraError, SetupError


@pytest.fixture
def missing(monkeypatch: pytest.MonkeyPatch):
    """Make the named top-level modules fail to import, as if they were not installed."""
    gone: set[str] = set()
    real = importlib.import_module

    def fake(name: str, package: str | None = None):
        if name.partition(".")[0] in gone:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, package)

    monkeypatch.setattr(extras.importlib, "import_module", fake)
    return gone


def test_every_extra_lists_its_modules() -> None:
    assert set(extras.EXTRAS) >= {"pandas", "widgets", "edge", "aws", "dask"}
    assert all(extras.EXTRAS.values())


@pytest.mark.parametrize("extra", sorted(extras.EXTRAS))
def test_require_names_the_pip_command(missing: set[str], extra: str) -> None:
    missing.add(extras.EXTRAS[extra][-1])
    with pytest.raises(MissingExtraError, match=rf'pip install "cfsign-nb\[{extra}\]"') as caught:
        extras.require(extra, needed_for="this test")
    error = caught.value
    assert error.extra == extra
    assert "for this test" in str(error)
    assert isinstance(error, SetupError | ImportError) and isinstance(error, CfSignError)
    assert not isinstance(error, ValueError)  # an environment problem, not a bad value
    assert isinstance(error.__cause__, ModuleNotFoundError)


def test_require_passes_when_installed() -> None:
    extras.require("pandas")


class _Value:
    pass


class _Derived(_Value):
    pass


def test_to_frame_uses_the_registered_builder_for_a_type_and_its_subclasses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "_BUILDERS", {})
    extras.register_frame(_Value, lambda value: ("frame of", type(value).__name__))
    assert extras.to_frame(_Value()) == ("frame of", "_Value")
    assert extras.to_frame(_Derived()) == ("frame of", "_Derived")


def test_to_frame_loads_the_pandas_layer_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "_BUILDERS", {})
    monkeypatch.setattr(extras, "_LOADER", [])
    loads: list[int] = []

    def load() -> None:
        loads.append(1)
        extras.register_frame(_Value, lambda value: "frame")

    extras.set_frame_loader(load)
    assert extras.to_frame(_Value()) == "frame"
    assert extras.to_frame(_Value()) == "frame"
    assert loads == [1]


def test_to_frame_without_pandas_is_a_missing_extra(monkeypatch: pytest.MonkeyPatch, missing: set[str]) -> None:
    monkeypatch.setattr(extras, "_BUILDERS", {})
    monkeypatch.setattr(extras, "_LOADER", [])
    missing.add("pandas")
    with pytest.raises(MissingExtraError, match=r'pip install "cfsign-nb\[pandas\]"'):
        extras.to_frame(_Value())


def test_to_frame_of_a_type_nobody_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "_BUILDERS", {})
    monkeypatch.setattr(extras, "_LOADER", [])
    with pytest.raises(TypeError, match="_Value"):
        extras.to_frame(_Value())


def test_a_core_value_without_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch, missing: set[str]) -> None:
    from cfsign_nb import Policy, decode

    monkeypatch.setattr(extras, "_BUILDERS", {})
    monkeypatch.setattr(extras, "_LOADER", [])
    missing.add("pandas")
    for value in (Policy("https://example.com/a", 1767290400), decode("https://example.com/a?Expires=1")):
        with pytest.raises(MissingExtraError, match=r"cfsign-nb\[pandas\]"):
            value.to_frame()
