// Short names for the stages, for the nodes of the lanes (a few characters where the title is a
// sentence). The model names every stage (`short` in model/stages.toml, in every journey); a
// stage without one (an older engine) gets a name from its title: the part before ":", cut to
// its first words.


/** The short name of a stage ({ id, title, short? }): the model's, else one from its title. */
export function stageShortName(stage) {
  if (typeof stage?.short === 'string' && stage.short) return stage.short;
  const head = String(stage?.title ?? stage?.id ?? '').split(':')[0].trim();
  const words = head.split(/\s+/).filter(Boolean);
  let out = '';
  for (const w of words) {
    if (out && out.length + 1 + w.length > 10) break;
    out = out ? `${out} ${w}` : w;
  }
  return (out || head).slice(0, 12);
}
