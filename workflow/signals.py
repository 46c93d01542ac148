from django.dispatch import Signal

# Sent inside the transaction that performed a transition, after its audit event: what a
# receiver writes (e.g. notifications owed) commits or rolls back with the change itself; what
# must wait for the commit (sending e-mail) the receiver defers with on_commit.
# kwargs: instance, name (the transition), event (the AuditEvent), actor.
transition_performed = Signal()

# Asked while checking a transition: later stages add their guards to an earlier stage's
# transition without the earlier stage importing them. kwargs: instance, name.
# Receivers return a list of Refusal (empty when they have no objection).
transition_guard = Signal()
