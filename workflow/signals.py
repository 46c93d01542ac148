from django.dispatch import Signal

# Sent after the transaction that performed a transition has committed.
# kwargs: instance, name (the transition), event (the AuditEvent), actor.
transition_committed = Signal()

# Asked while checking a transition: later stages add their guards to an earlier stage's
# transition without the earlier stage importing them. kwargs: instance, name.
# Receivers return a list of Refusal (empty when they have no objection).
transition_guard = Signal()
