"""The intake: the questions, a typed answer, the intake's buttons, the review and the
drafted case, /accounts, cases started from an import (`service.RefundService` composes
them)."""
