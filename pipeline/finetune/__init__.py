"""Fine-tuning a student on the published dataset: Z1-style SFT (loss on the response only, the
model's own chat template, LoRA or full) and O1-Pruner length-harmonizing fine-tuning.

Modules: `config` (the YAML recipe), `data` (Hub-layout folder -> prompt/completion examples),
`harmonize_loss` (the O1-Pruner loss and its trainer), `train` (`train`, `load_finetuned`).
torch, transformers, trl and peft are imported by `data`'s callers and `train` only, so parsing
a recipe stays cheap.
"""
