#!/usr/bin/env python3
"""A tiny VLM that carries a real tokenizer.json: `attnviz run --prompt` must tokenize with it
exactly as Hugging Face does and print the answer as text.

    make_prompted_vlm.py TOKENIZER.json OUT.pt

forward(image [1,3,16,16], input_ids [1,L]) -> logits [1, 4 + L, V]: 4 image tokens (a 2x2
grid of 8x8 patches), then the text, two causal attention layers; V is the tokenizer's
vocabulary. Random weights (seeded): the answer is whatever they give, not a sentence.
"""
import json
import sys

import torch

sys.dont_write_bytecode = True


class Attention(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.qkv = torch.nn.Linear(width, 3 * width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        scores = q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5)
        t = x.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
        probs = torch.softmax(scores.masked_fill(mask, float('-inf')), dim=-1)
        return x + probs @ v


class Layer(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.attn = Attention(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(x)


class PromptedVLM(torch.nn.Module):
    def __init__(self, vocab, width=16):
        super().__init__()
        self.patch = torch.nn.Conv2d(3, width, 8, 8)
        self.embed = torch.nn.Embedding(vocab, width)
        self.layers = torch.nn.ModuleList([Layer(width) for _ in range(2)])
        self.head = torch.nn.Linear(width, vocab)

    def forward(self, image: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
        patches = self.patch(image).flatten(2).transpose(1, 2)
        x = torch.cat([patches, self.embed(input_ids)], dim=1)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


def main():
    tokenizer_path, out = sys.argv[1], sys.argv[2]
    text = open(tokenizer_path, encoding='utf-8').read()
    doc = json.loads(text)
    vocab = max([max(doc['model']['vocab'].values())] + [t['id'] for t in doc.get('added_tokens', [])]) + 1
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = torch.jit.script(PromptedVLM(vocab).eval())
    meta = {
        'format': 'attnviz', 'version': 1, 'name': 'prompted-vlm', 'inputs': ['image', 'input_ids'],
        'output': 'logits', 'preprocess': {'size': [16, 16]},
        'stacks': {'layers': {'image_tokens': {'offset': 0, 'grid': [2, 2]}}},
        'tokenizer': {'type': 'tokenizer.json'}, 'generation': {'max_new_tokens': 4},
    }
    torch.jit.save(model, out, _extra_files={'attnviz.json': json.dumps(meta), 'tokenizer.json': text})


if __name__ == '__main__':
    main()
