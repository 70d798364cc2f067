"""Certification pages (training sessions, quizzes, certificates): built by a later issue."""

from flask import Blueprint

bp = Blueprint("certification", __name__, template_folder="templates")
