"""The roles a user can have. Plain Python: the workflow rules and the user model both name them."""
ADMIN, SUPERVISOR, FACILITATOR = "admin", "supervisor", "facilitator"
