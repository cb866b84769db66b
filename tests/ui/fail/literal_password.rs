// A password written literally in the ini is compiled into the binary: a
// warning (here denied, so that its text shows) names the file and line.
#![deny(deprecated)]

schema_runtime::embed!(config = "fixtures/literal_password/schema.ini");

fn main() {}
