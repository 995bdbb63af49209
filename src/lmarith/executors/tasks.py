"""The executor prompt format: the one contract between training data and the runtime.

A sample is ``prompt = input_text + "\\n"`` and ``response = output_text``; the trainer
(``lmarith.models.encode_pair``) appends the tokenizer's EOS token id to the response, and
decoding stops at that EOS. No chat template: the texts are window commands, CAEF
configurations or aligner lines, never conversation.

Tasks name what the model is asked to do; each task may have its own LoRA adapter:
an executor task is a machine name (``ADD``), an aligner task is ``ALIGN_`` + machine name,
and the question aligner's task is ``QUESTION``: a question in words as input, the expression
the executors run as output (``lmarith.questions.expressions``), or ``CANNOT``.
"""

ALIGN_PREFIX = "ALIGN_"
QUESTION_TASK = "QUESTION"
#: the adapter that serves every task: ``lmarith train executor --op all --table`` trains it
SHARED_TASK = "ALL"


#: what comes before a question the question aligner reads: without it a pretrained LM misread
#: the first digits of questions that began with them (``66860==66860`` -> ``3860==66860``)
QUESTION_PREFIX = "Question: "


def prompt(input_text: str, task: str = "") -> str:
    """The text the model is conditioned on for one step of ``task`` (a question behind the
    question aligner's prefix; every other task's input as it is)."""
    return (QUESTION_PREFIX if task == QUESTION_TASK else "") + input_text + "\n"


def pair(input_text: str, output_text: str, task: str = "") -> tuple[str, str]:
    """One training sample (prompt, response); the EOS is added as a token by the trainer."""
    return prompt(input_text, task), output_text


def aligner_task(machine: str) -> str:
    """The task (and default adapter name) of ``machine``'s aligner."""
    return ALIGN_PREFIX + machine


def aligned_machine(task: str) -> str | None:
    """The machine an aligner task serves; None for an executor task."""
    return task.removeprefix(ALIGN_PREFIX) if task.startswith(ALIGN_PREFIX) else None
