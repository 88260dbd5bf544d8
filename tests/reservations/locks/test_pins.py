"""PINs: random digits of the asked length, never a trivial one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.reservations.locks.pins import MAX_LENGTH, MIN_LENGTH, pin_generate, pin_is_trivial

lengths = st.integers(min_value=MIN_LENGTH, max_value=MAX_LENGTH)


@given(length=lengths)
@settings(max_examples=200)
def test_pin_generate__digits_of_the_length_and_not_trivial(length: int) -> None:
    pin = pin_generate(length=length)
    assert len(pin) == length and pin.isdigit() and pin.isascii()
    assert not pin_is_trivial(pin)


@pytest.mark.parametrize("length", [0, 3, 9, 12])
def test_pin_generate__refuses_lengths_outside_4_to_8(length: int) -> None:
    with pytest.raises(ValueError):
        pin_generate(length=length)


@pytest.mark.parametrize(
    "pin",
    ["0000", "1111", "1234", "4321", "123456", "987654", "8901", "0987", "1212", "123123", "12341234", "1000", "45559"],
)
def test_pin_is_trivial__known_weak_pins(pin: str) -> None:
    assert pin_is_trivial(pin)


@pytest.mark.parametrize("pin", ["4829", "1357", "482913", "90210754", "1123", "7319"])
def test_pin_is_trivial__ordinary_pins_pass(pin: str) -> None:
    assert not pin_is_trivial(pin)


@given(digit=st.integers(0, 9), length=lengths)
def test_pin_is_trivial__any_repeated_digit(digit: int, length: int) -> None:
    assert pin_is_trivial(str(digit) * length)


@given(start=st.integers(0, 9), length=lengths, step=st.sampled_from([1, -1]))
def test_pin_is_trivial__any_run_up_or_down(start: int, length: int, step: int) -> None:
    assert pin_is_trivial("".join(str((start + step * i) % 10) for i in range(length)))


@given(block=st.text("0123456789", min_size=1, max_size=4), times=st.integers(2, 4))
def test_pin_is_trivial__any_repeated_block(block: str, times: int) -> None:
    assert pin_is_trivial(block * times)


def test_pin_generate__avoids_pins_in_use() -> None:
    # Every 4-digit PIN but one non-trivial one is taken: that one must come back.
    free = "4829"
    taken = {str(n).zfill(4) for n in range(10_000)} - {free}
    assert pin_generate(length=4, avoid=taken) == free


def test_pin_generate__gives_up_when_nothing_is_free() -> None:
    with pytest.raises(RuntimeError):
        pin_generate(length=4, avoid={str(n).zfill(4) for n in range(10_000)})


def test_pin_is_trivial__refuses_non_digits() -> None:
    for pin in ["12a4", "１２３４", ""]:
        with pytest.raises(ValueError):
            pin_is_trivial(pin)
