"""How deliveries are tried (``tandem: webhooks:`` in config.yml; docs/webhooks.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebhookSettings(BaseModel):
    """Retries, backoff and timeouts of webhook deliveries."""

    #: Attempts per delivery before it becomes a dead letter (the admins' list to look at).
    max_attempts: int = Field(default=8, ge=1, le=50)
    #: The wait after the n-th failed attempt is ``backoff_base_s * 2**(n-1)``, at most ``backoff_max_s``.
    backoff_base_s: float = Field(default=5.0, gt=0)
    backoff_max_s: float = Field(default=3600.0, gt=0)
    #: Seconds to connect and get an answer; a slower receiver counts as a failed attempt.
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    #: How often each gateway looks for due retries (new events are taken as they arrive).
    poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    #: Deliveries sent at once by one gateway.
    batch_size: int = Field(default=20, ge=1, le=500)

    def backoff_s(self, attempts: int) -> float:
        """The wait before the next attempt, after ``attempts`` failed ones."""
        return float(min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempts - 1)))
