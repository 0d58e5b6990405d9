"""What an event or a user asks of the notification service: record the deliveries an
event causes, send what is due, compose the daily digest."""
