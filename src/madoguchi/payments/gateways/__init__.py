"""Payment gateways: a small protocol (`base`), adapters registered by kind (`registry`), and the
hosted-checkout HTTP client (`hosted`) that speaks to a real gateway or to the sandbox."""
