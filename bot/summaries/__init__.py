"""Summarizers turn a Paper into a Summary: a language model, or sentences taken from the abstract."""

from bot.summaries.base import Summarizer
from bot.summaries.extractive import ExtractiveSummarizer
from bot.summaries.llm import LlmSummarizer

__all__ = ["ExtractiveSummarizer", "LlmSummarizer", "Summarizer"]
