"""Presentation without a terminal: words, values, and the view models that
`check`, the timeline and every screen share."""
