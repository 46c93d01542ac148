from django.dispatch import Signal

# Sent after the transaction that performed a transition has committed.
# kwargs: instance, name (the transition), event (the AuditEvent), actor.
transition_committed = Signal()
