"""The laptop's voice: speech plans spoken and rendered with the local engine (exact silences), whole
routines and long-form tracks rendered to WAV, tracks played as an AudioPlayer device would, and
spoken input recognised offline. Hosts use it; the skill itself never imports it."""
