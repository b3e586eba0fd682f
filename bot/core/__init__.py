"""The domain core: models, chat settings, topics, arXiv ids, pure timing and the delivery contract."""
