-- SPDX-License-Identifier: Apache-2.0
-- pandoc filter for the man pages only: a table becomes a definition list.
-- troff cannot fit docs/*.md's three-column tables into 80 columns (their
-- code values do not break), and lintian reports every "cannot adjust line".
-- Row "| key | default | meaning |" becomes the term "key" with the paragraphs
-- "default: ..." and "meaning" (the last column, unlabelled).
local function inlines_of(blocks)
  local out = pandoc.List()
  for _, block in ipairs(blocks) do
    if block.content then out:extend(block.content) end
  end
  return out
end

function Table(tbl)
  local headers = {}
  for _, row in ipairs(tbl.head.rows) do
    for i, cell in ipairs(row.cells) do headers[i] = pandoc.utils.stringify(cell.contents) end
  end
  local items = pandoc.List()
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local paragraphs = pandoc.List()
      for i = 2, #row.cells do
        local text = inlines_of(row.cells[i].contents)
        if i < #row.cells and headers[i] and headers[i] ~= "" then
          local labelled = pandoc.List({pandoc.Emph({pandoc.Str(headers[i] .. ":")}), pandoc.Space()})
          labelled:extend(text)
          text = labelled
        end
        if #text > 0 then paragraphs:insert(pandoc.Para(text)) end
      end
      items:insert({inlines_of(row.cells[1].contents), {paragraphs}})
    end
  end
  return pandoc.DefinitionList(items)
end
