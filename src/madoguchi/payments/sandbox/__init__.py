"""A loopback payment gateway that speaks the hosted-checkout API (tests and the demo)."""
