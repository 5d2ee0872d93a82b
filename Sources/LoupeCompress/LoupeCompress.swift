import LoupeNN
