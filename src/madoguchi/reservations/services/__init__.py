"""Use cases of the reservations app, one module per concern (bookings, lotteries, classes, keys, payment)."""
