/**
 * How a state that is not a run or task status is drawn (a workflow's state, its freshness, an
 * alert or a delivery): an icon and a word, in the colour of the status it resembles, so colour
 * is never the only cue.
 */
export interface Look {
  icon: string
  label: string
  /** Said on hover: what the state means. */
  hint: string
  /** The run status whose colour it wears (`st-<colour>`). */
  colour: string
}
