"""The first-stage instructions (``generate executor --prompt``): one line per machine.

CAEF trains in two stages: first with a description of the machine before each input text,
then without it (the released adapters are the no-prompt ones). These descriptions are our
own words; the instruction of a sample is the one of the machine whose step it is (a SUB
data set also holds REFLECTION, ADD and LEFT_MASK steps, each with its own description).
"""

from __future__ import annotations

INSTRUCTIONS: dict[str, str] = {
    "ADD": "ADD adds two numbers written lowest digit first: each step adds the digits under both heads and "
    "the carry, writes the sum's last digit and keeps the rest as the carry; when both numbers are used up "
    "it writes a carry left over and halts.",
    "EQUAL": "EQUAL tells whether two numbers are equal: it starts from True, compares them digit by digit "
    "from the lowest, and halts with False at the first different pair or when one number ends first.",
    "GREATER_THAN": "GREATER_THAN tells whether the first number is larger: it starts from False, and every "
    "pair of different digits, from the lowest, writes whether the first digit is larger, so the highest "
    "difference has the last word; a longer number decides at once.",
    "LESS_THAN": "LESS_THAN tells whether the first number is smaller: it starts from False, and every pair "
    "of different digits, from the lowest, writes whether the first digit is smaller, so the highest "
    "difference has the last word; a shorter number decides at once.",
    "REFLECTION": "REFLECTION takes the second number away from a row of nines as long as the first: it "
    "writes nine minus each digit of the second number (nine past its end), then removes leading zeros "
    "one per step.",
    "LEFT_MASK": "LEFT_MASK copies a number digit by digit, drops its highest digit and removes leading "
    "zeros one per step; when nothing is left the result is 0.",
    "SUB": "SUB takes the second number away from the first, which is not smaller, by calling other "
    "machines: REFLECTION for the nines' complement of the second, ADD to add the first, ADD to add one, "
    "and LEFT_MASK to drop the extra highest digit.",
    "MUL": "MUL multiplies by repeated addition: a counter starts at 1 and the sum at the first number; "
    "while LESS_THAN finds the counter below the second number, it calls ADD to add the first number to "
    "the sum and ADD to add one to the counter.",
    "DIV": "DIV divides and drops the remainder: the quotient starts at 0 and a counter at the second "
    "number; until GREATER_THAN finds the counter above the first number, it calls ADD to add one to the "
    "quotient and ADD to add the second number to the counter.",
    "MUL_DIGIT": "MUL_DIGIT multiplies a number by one digit: each step multiplies the digit under the head, "
    "adds the carry, writes the product's last digit and keeps the rest as the carry.",
    "LONG_MUL": "LONG_MUL multiplies as on paper: for each digit of the second number, from the highest, "
    "it shifts the result one place and, unless the digit is 0, calls MUL_DIGIT for the partial product "
    "and ADD to add it in.",
    "BORROW_SUB": "BORROW_SUB takes the second number away from the first, which is not smaller, digit by "
    "digit with a borrow, then removes leading zeros one per step.",
    "LONG_SUB": "LONG_SUB takes any number away from any other: it calls LESS_THAN to learn the sign, then "
    "BORROW_SUB with the larger number first, and marks a negative result.",
    "LONG_DIV": "LONG_DIV divides as on paper: it brings down the first number's digits from the highest "
    "and, while LESS_THAN finds the remainder not below the divisor, calls BORROW_SUB to subtract it and "
    "counts; each count is the quotient's next digit.",
}


def with_prompt(machine_name: str, text: str) -> str:
    """``text`` (a machine's input) behind the machine's instruction line (every registered
    machine has one: ``tests/test_data_files.py``)."""
    return f"{INSTRUCTIONS[machine_name]}\n{text}"
