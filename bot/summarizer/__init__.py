"""Summarizers turn a Paper into a Summary: a language model, or sentences taken from the abstract."""

from bot.summarizer.base import Summarizer
from bot.summarizer.extractive import ExtractiveSummarizer
from bot.summarizer.llm import LlmSummarizer

__all__ = ["ExtractiveSummarizer", "LlmSummarizer", "Summarizer"]
