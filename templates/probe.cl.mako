## The smallest real kernel: proves a device can build and run code at all.
<%def name="probe(dtypes, rank)">\
${d.kernel("probe", [("out", "int", "out"), ("scalar", "int", "value")])}
{
    out[${d.global_id(0)}] = value + (int)${d.global_id(0)};
}
</%def>
