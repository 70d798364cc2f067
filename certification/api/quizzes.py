"""API: quizzes (routes on certification.api.blp)."""
