"""Adapters for LLM frameworks, each an optional extra: ``roomhistory.integrations.langchain``
(``pip install roomhistory[langchain]``) and ``roomhistory.integrations.llama_index``
(``pip install roomhistory[llama-index]``). Importing ``roomhistory`` never imports a framework."""
