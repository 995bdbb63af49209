"""Baselines: the model without the intervention. ``lora``: LoRA fine-tunes on the neurosymbolic
method's questions (direct and worked answers; chain of thought is a prompt, in
``lmarith.questions.prompts``); ``direct``: the base model answering ``a+b=`` beside the
executors. Never imports the neurosymbolic method; scoring lives in ``lmarith.evaluation``."""
