"""Speech plans and their renderers (SSML, APL-A, duration, local audio)."""
