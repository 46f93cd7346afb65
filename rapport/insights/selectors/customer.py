"""What one customer has said, for views that already decided the asker may see that customer."""

from rapport.insights.models import ChurnRisk, InteractionSignal


def signals_by_interaction(interaction_ids: list[int]) -> dict[int, InteractionSignal]:
    """The scored customer words of these contacts, in one query."""
    rows = InteractionSignal.objects.filter(interaction_id__in=interaction_ids)
    return {row.interaction_id: row for row in rows}


def churn_risk_of(customer_id: int) -> ChurnRisk | None:
    return ChurnRisk.objects.filter(customer_id=customer_id).first()


def recent_signals_of(customer_id: int, *, limit: int = 10) -> list[InteractionSignal]:
    """The customer's last scored contacts, newest first."""
    rows = InteractionSignal.objects.filter(customer_id=customer_id).select_related("interaction")
    return list(rows.order_by("-interaction__started_at", "-id")[:limit])
